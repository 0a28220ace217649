"""The stack's settings as pure, typed models: the leaf both layers import.

`values` holds the constrained value types and the `Section` base class, `errors` the one-line
`ConfigError`, `sections` the cloud-neutral sections (`trackerStore`, `lockStore`, ...) and `stack`
the cloud-neutral `StackSettings`. A cloud's own section (`rasa-platform:aws`, ...) is declared in
its package and joined to `StackSettings` by infra/settings through the registry.

Nothing here reads config, imports Pulumi resources or knows a cloud: loading, merging presets and
formatting errors is infra/settings' job.
"""
