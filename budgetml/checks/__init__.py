"""The consistency checks stage, rules by family (configs/rules.toml is the registry; docs/rules.md is generated).

- registry: the declared rules, their message templates, the finding a rule yields, `@rule`
- inputs: what the rules read of one filing, loaded from the parse datasets
- claims: the narrative's amount statements (→ claims.parquet); forms: reading the performance forms
- compare: findings that compare printed figures within their rounding
- completeness, identities, cross_table, performance, narrative: the rules, one family a module
- final_accounts, final_narrative: the 决算 (final account) rules on its tables and on its narrative
- execution: a 决算 linked with its department's 预算 (→ budget_execution.parquet) and the 年初预算 check
- shards: the filings' shards and their files; outputs: a shard's claims and findings as table columns
- rulebook: the stage itself (`check_output`) and the generated rule documentation

Each rule declares the document kinds it reads (configs/rules.toml doc_kinds).
"""
