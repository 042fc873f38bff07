"""The CDS Hooks service behind `interactions serve`: one door, ``create_app``.

>>> from interactions.service import create_app
>>> app = create_app(feedback_path="feedback.sqlite3")   # an ASGI app for uvicorn
"""

from .app import create_app
from .auth import JwtVerifier

__all__ = ["JwtVerifier", "create_app"]
