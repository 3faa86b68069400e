"""The test oracle: Control Tower's rules written plainly, one value object at a time.

The product (the ``controltower`` package) analyses a picture with the numpy kernel
and finds its exceptions with detectors over the kernel's arrays. This package holds
the readable reference those are tested against, and nothing in the product imports
it (an import-linter contract in ``pyproject.toml`` forbids it):

* :mod:`controltower_oracle.engine`: ``analyse`` and ``IncrementalEngine``, the
  per-pool reference implementation of ``allocation.md`` (Decimal arithmetic, with
  pegging, capacity, credit, transfer alternatives and order standing in the modules
  next to it);
* :mod:`controltower_oracle.detectors`: a reference detector per exception type over
  value objects, worded with the product detectors' own ``explanation(...)`` functions;
* :mod:`controltower_oracle.scan` and :mod:`controltower_oracle.exceptions`: the
  reference ``scan --json`` document (``build_scan_document``) and exception evaluation
  (``evaluate_exceptions``).

Tests hold the kernel, the incremental kernel, the detectors and the columnar scan
equal to these on hand-built and generated businesses; the benchmarks time both.
"""
