#!/usr/bin/python3
"""HTTP bridge client using only the Python standard library (urllib, hmac): signs a request the way Crossbar's
documentation and its own bridge code describe, POSTs it, prints "STATUS <code> <body>".

    http_bridge.py --url http://127.0.0.1:8080/publish --body '{"topic": "com.example.t"}' [--key K --secret S]
                   [--timestamp-offset SECONDS] [--seq 1]

The signature is computed here, independently of PluginHost: HMAC-SHA256 keyed with the secret over
key | timestamp | seq | nonce | body, encoded base64url (with padding), sent as query parameters.
Exit 0 whenever an HTTP answer arrived (whatever its status), 1 otherwise.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import random
import sys
import urllib.error
import urllib.parse
import urllib.request


def signed_url(url, key, secret, body, offset, seq):
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    nonce = str(random.randint(0, 2 ** 53))
    mac = hmac.new(secret.encode("utf8"), digestmod=hashlib.sha256)
    for part in (key.encode("utf8"), timestamp.encode("utf8"), str(seq).encode("utf8"), nonce.encode("utf8"), body):
        mac.update(part)
    signature = base64.urlsafe_b64encode(mac.digest()).decode("ascii")
    query = urllib.parse.urlencode({"key": key, "timestamp": timestamp, "seq": seq, "nonce": nonce, "signature": signature})
    return url + "?" + query


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument("--timestamp-offset", type=float, default=0)
    parser.add_argument("--seq", type=int, default=1)
    args = parser.parse_args()

    body = args.body.encode("utf8")
    url = args.url
    if args.secret is not None:
        url = signed_url(url, args.key, args.secret, body, args.timestamp_offset, args.seq)
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, text = response.status, response.read().decode("utf8")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf8")
    except Exception as e:  # no HTTP answer at all
        print("ERROR " + repr(e), flush=True)
        return 1
    print("STATUS {} {}".format(status, text), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
