"""The floor for the web layer: Flask behind the same gunicorn, parsing the same JSON, storing nothing."""

from itertools import count

from flask import Flask, request

app = Flask(__name__)
_ids = count(1)


@app.post("/s/<slug>/responses")
def submit(slug: str):
    body = request.get_json()
    return {"id": next(_ids), "created": bool(body)}, 201
