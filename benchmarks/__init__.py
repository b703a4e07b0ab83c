"""rtvoice's performance benchmarks (docs/performance.md): ``python -m benchmarks``."""
