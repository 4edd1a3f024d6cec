"""Recorded upstream traffic: loading any recording, replaying it, recording new ones."""
