"""Seed 001's image limits, apart from core.images so that routes which only state them (the upload
flow's presigned POST) do not import Pillow."""

MAX_IMAGE_BYTES = 15 * 1024 * 1024
