"""The production settings with the floor rows' two views added (bench.floor)."""

from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor"
