"""The pure domain: the records that cross stages, URL identity, text normalisation, diffs,
fingerprints, the recheck policy and the words redline describes them with. Imports
nothing else of redline, and touches no Redis, network or clock (``now`` is passed in)."""
