"""Demo feature: a fictional world and a deterministic, living Spanish mention stream.

- `catalog`: the demo brands (frozen dataclasses) the seeding code turns into rows.
- `people`, `phrases`, `compose`: who writes and what they write.
- `stream.Simulator`: the event stream (demo feed and benchmark load generator).
- `export`: JSONL files in the mention input schema (`python -m cauce.demo.export`).
- `seed`, `runner`: database seeding and the `cauce demo` command.
"""
