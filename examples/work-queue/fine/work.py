#!/usr/bin/env python3
# One item of walkthrough 4's work, for `jobctl worker`: the item arrives on stdin; exit 0 means done.
import sys
import time
item = sys.stdin.read().strip()
print("Working on " + item, flush=True)
time.sleep(2)  # Put your actual work here instead of sleep.
