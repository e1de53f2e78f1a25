#!/usr/bin/env python3
"""Print a trace from the lab's Jaeger as a list of spans, one a line:
start (from the trace's first span), duration, service, span name, and the
attributes the operator and the pod simulator set.

    hack/show-trace.py TRACE_ID   # e.g. the ID `kubectl restapi status` prints

LAB_JAEGER_QUERY_PORT names the query API's port on 127.0.0.1 (16686).
"""
import json
import os
import sys
import urllib.request

KEYS = ["restapi.revision", "restapi.colour", "restapi.event", "restapi.reason",
        "restapi.check", "restapi.outcome"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    port = os.environ.get("LAB_JAEGER_QUERY_PORT", "16686")
    url = f"http://127.0.0.1:{port}/api/traces/{sys.argv[1]}"
    trace = json.load(urllib.request.urlopen(url))["data"][0]
    spans = sorted(trace["spans"], key=lambda s: (s["startTime"], s["duration"]))
    first = spans[0]["startTime"]
    ids = {s["spanID"] for s in spans}
    for s in spans:
        process = trace["processes"][s["processID"]]
        tags = {t["key"]: t["value"] for t in s["tags"]}
        version = {t["key"]: t["value"] for t in process["tags"]}.get("service.version")
        attrs = " ".join(f"{k}={tags[k]}" for k in KEYS if k in tags)
        if version:
            attrs += f" service.version={version}"
        child = any(r["spanID"] in ids for r in s["references"])
        print(f'{"  " if child else ""}{(s["startTime"] - first) / 1e3:9.1f} ms +{s["duration"] / 1e3:9.1f} ms  '
              f'{process["serviceName"]:17} {s["operationName"]:20} {attrs}')


if __name__ == "__main__":
    main()
