"""Benchmarks of Trygghetskartan: ratios against baselines measured in the same run (DESIGN.md §5).

Run ``python -m benchmarks`` or ``python -m geo bench`` (``--quick`` for small sizes).
"""
