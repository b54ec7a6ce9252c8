#!/usr/bin/python3
"""Turns a pytest JUnit XML report into the "N passed, M failed" line that
scripts/test-summary.sh adds up. Usage: junit_summary.py REPORT.xml"""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failed = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
print(f"{tests - failed - skipped} passed, {failed} failed")
sys.exit(1 if failed or tests == 0 else 0)
