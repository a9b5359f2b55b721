"""Listings people read: days, weeks, months, trending, and their feeds."""
