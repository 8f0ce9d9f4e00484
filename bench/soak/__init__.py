"""Soak run: redline watches thousands of newsroom articles, with faults on, for tens of
minutes, while the resident memory of every process (clock, workers, Redis) is sampled;
it passes if memory stays flat and no process exits."""
