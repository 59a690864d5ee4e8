#!/usr/bin/env python3

# Just prints standard out and sleeps for 10 seconds.
# The seed's walkthrough 3 worker, unchanged but for python3: it reads its one item from stdin and knows nothing
# of the queue. jobctl hands it the item (also as $JOB_ITEM) and completes the item when it exits 0.
import sys
import time
print("Processing " + sys.stdin.readlines()[0])
time.sleep(10)
