"""zeronas: training-free (zero-shot) neural architecture search.

import zeronas
result = zeronas.search(dataset="cifar10", budget=100)   # or zeronas.search(zeronas.SearchConfig(...))
print(result.best.arch, result.best.test_acc)
"""

__version__ = "0.4.0"

_API = {"search", "SearchConfig", "SearchResult", "Study", "Candidate"}


def __getattr__(name: str):
    # imported on first use: `import zeronas` (and `zeronas --help`) stays free of torch
    if name in _API:
        from zeronas import study

        return getattr(study, name)
    raise AttributeError(f"module 'zeronas' has no attribute {name!r}")


__all__ = sorted(_API)
