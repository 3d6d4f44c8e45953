"""Benchmarks: a generator of large repositories and the script that measures pm on them."""
