"""The kernel: what every layer of imbench may import, and which imports nothing else of ours.

- `errors`     the one exception tree, each error carrying its exit code
- `config`     the one reader of TOML files (scenarios, sheets, profiles): every problem at once
- `exitcodes`  the exit codes of the `imbench` command (API)
- `records`    the record formats drivers write and analysis reads, and the files that hold them
- `metrics`    the metric registry: every figure imbench can report (`metric_names`: their names)
- `figures`    one reported figure, typed, built only from the registry
- `summary`    the `summary.json` document and its one reader
- `payload`    message body size distributions
- `slots`      one simulated messaging user as data
"""
