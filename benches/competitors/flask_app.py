"""The Flask + boto3 callback handler, as the capture service's own example
writes it: the whole file in memory, then one put_object. Benchmarks only.

Run: gunicorn -w 2 -b 127.0.0.1:3005 flask_app:app (from this folder), with
AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SHOTSINK_SECRET set.
"""
import hmac
import os
import re
import time

import boto3
from botocore.config import Config
from flask import Flask, request

app = Flask(__name__)
SECRET = os.environ["SHOTSINK_SECRET"]
s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["AWS_ENDPOINT"],
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(s3={"addressing_style": "path"}, max_pool_connections=64),
)
FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif", "pdf": "application/pdf"}


@app.post("/callback")
def callback():
    if not hmac.compare_digest(SECRET, request.form.get("callback_secret", "")):
        return "forbidden\n", 403
    if request.form.get("status") != "OK":
        return "render failure acknowledged\n", 200
    token = re.sub(r"[^A-Za-z0-9]", "", request.form.get("token", ""))
    fmt = request.form.get("format", "jpg")
    fmt = fmt if fmt in FORMATS else "jpg"
    file = request.files.get("file")
    if not token or file is None:
        return "missing field\n", 400
    key = time.strftime("screenshots/%Y/%m/%d/", time.gmtime()) + f"{token}.{fmt}"
    s3.put_object(Bucket="captures", Key=key, Body=file.read(), ContentType=FORMATS[fmt])
    return f"stored {key}\n", 200
