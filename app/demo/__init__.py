"""Demo data for trying Vigil out and for benchmarks."""
