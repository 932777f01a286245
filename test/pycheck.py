"""test/pycheck.py - the tally the Python tests share: check(cond, msg) counts a pass or prints
the failure; done(name) prints "name: N passed, N failed" and returns the exit status (1 when
anything failed). The tests import it from their own folder (sys.path[0])."""
import sys

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg, file=sys.stderr)


def done(name):
    print("%s: %d passed, %d failed" % (name, passed, failed))
    return 1 if failed else 0
