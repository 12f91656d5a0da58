"""Entry point of `./run bench [ARGS]`: runs benchmarks/bench.py with the same arguments.

(The dev script `run` runs benchmarks/run.py when it exists; bench.py is the benchmark itself,
also runnable as `python benchmarks/bench.py`.)  Nothing may import NumPy before bench.py does:
it sets the one-thread environment variables first.
"""

import os
import runpy
import sys

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.argv[0] = os.path.join(here, "bench.py")
    runpy.run_path(sys.argv[0], run_name="__main__")
