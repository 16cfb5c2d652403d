"""bovine-herd (an ActivityPub server from PyPI that nobody here wrote) as an ASGI app, for
hypercorn; its SQLite database is named by BOVINE_DB_URL. Started by peer.py."""
import os

from bovine_herd import BovineHerd
from quart import Quart

app = BovineHerd(Quart(__name__), db_url=os.environ["BOVINE_DB_URL"])
