"""Runs the interop tests (`test_*.py` here) with unittest and closes with one line,
`interop: N passed, N failed, N skipped`; exits non-zero when a test failed.

`cargo xtask interop` runs it with the environment `support.py` describes. Arguments are
unittest name patterns (`-k`), e.g. `run.py -k websocket`.
"""

import argparse
import sys
import unittest
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only the tests whose name matches (repeatable)")
    args = parser.parse_args()

    here = Path(__file__).resolve().parent
    loader = unittest.TestLoader()
    loader.testNamePatterns = [p if "*" in p else f"*{p}*" for p in args.patterns] or None
    suite = loader.discover(str(here), pattern="test_*.py", top_level_dir=str(here))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)

    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped - len(result.expectedFailures)
    print(f"interop: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    if result.testsRun == 0:
        print("error: no test ran", file=sys.stderr)
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
