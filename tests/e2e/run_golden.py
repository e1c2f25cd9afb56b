#!/usr/bin/env python3
"""Placeholder golden runner; replaced by the real one."""
print("0 passed, 0 failed")
