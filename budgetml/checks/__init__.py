"""The consistency checks stage, rules by family (configs/rules.toml is the registry; docs/rules.md is generated).

- registry: the declared rules, their message templates, the finding a rule yields, `@rule`
- inputs: what the rules read of one filing, loaded from the parse datasets
- claims: the narrative's amount statements (→ claims.parquet); forms: reading the performance forms
- compare: findings that compare printed figures within their rounding
- completeness, identities, cross_table, performance, narrative: the rules, one family a module
- rulebook: the stage itself (`check_output`) and the generated rule documentation

A 决算 (final account) family would be one more module beside these, listed in rulebook.FAMILIES.
"""
