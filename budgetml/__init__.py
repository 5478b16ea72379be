"""budgetml: Chinese department budget disclosures (部门预算公开) to Parquet, checks and review flags."""

__version__ = "0.1.0"
