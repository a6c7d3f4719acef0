"""Running tokenforge's heavy loops on a Ray cluster (`pip install 'tokenforge[ray]'`).

`tokenforge.train(..., ray=...)` counts pre-tokens as Ray tasks over shards of the corpus: whole files; big
uncompressed JSON-lines files, or text files read line by line, cut into byte ranges at line starts; big Parquet
files cut between row groups. Each task returns its counts as a sorted run and the driver adds them up, so the
merge phase sees exactly the counts of a local run. `tokenize_dataset(..., ray=...)` encodes windows of
documents as Ray tasks while the driver reads the input and writes the shards in order, byte for byte as a local
run. Ray is imported only when asked for. See docs/ray.md.
"""

from tokenforge.distributed.ray_backend import RayOptions, ordered_map, ray_counting, ray_options

__all__ = ["RayOptions", "ordered_map", "ray_counting", "ray_options"]
