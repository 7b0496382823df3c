"""Attachment blobs on the central store: resumable, verified, content-addressed uploads."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
