#!/usr/bin/env python3
"""aws_botocore_fixtures.py - every answer the aws_* fixture scenarios give, parsed with
botocore's own response parser for that operation's output shape (botocore.parsers over the
service model botocore.loaders finds: AWS's published models). A fixture fails when botocore
cannot parse it, when a success answer misses a member the model marks required (at any depth),
or when an error answer has no error code. Every route must name its operation ("op":
"service:Operation", see tests/fixtures/aws/gen_services.py).

Usage: aws_botocore_fixtures.py SOURCE_DIR    (Debian: python3-botocore)
"""
import glob
import json
import os
import re
import sys

import botocore.loaders
import botocore.model
import botocore.parsers

SERVICES = {}


def operation(op):
    service, name = op.split(":")
    if service not in SERVICES:
        loader = botocore.loaders.Loader()
        SERVICES[service] = botocore.model.ServiceModel(
            loader.load_service_model(service, "service-2"), service_name=service)
    return SERVICES[service], SERVICES[service].operation_model(name)


SCALARS = {"boolean": bool, "string": str, "integer": int, "long": int}


def missing_required(shape, value, where):
    """Paths of required members absent from a parsed value, or of the wrong type, recursively."""
    out = []
    if shape is None or value is None:
        return out
    want = SCALARS.get(shape.type_name)
    if want and (not isinstance(value, want) or (want is int and isinstance(value, bool))):
        return [f"{where} is {value!r}, not a {shape.type_name}"]
    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if name not in value:
                out.append(f"{where}.{name}")
        for name, member in shape.members.items():
            if name in value:
                out += missing_required(member, value[name], f"{where}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            out += missing_required(shape.member, v, f"{where}[{i}]")
    return out


def body_of(resp):
    """The answer as the server sends it; {{epoch-N}} (a time relative to now, see
    tests/fixtures/server.py) becomes a Unix time, as the server writes it."""
    if "json" in resp:
        return json.dumps(resp["json"]).encode()
    return re.sub(r"\{\{epoch([+-])(\d+)\}\}", lambda m: str(1750000000 + int(m.group(1) + m.group(2))),
                  resp.get("body", "")).encode()


def check(op, resp):
    """Problems of one fixture answer (a list of strings)."""
    service, model = operation(op)
    status = resp.get("status", 200)
    headers = dict(resp.get("headers", {}))
    headers.setdefault("content-type", resp.get("content_type", "application/json"))
    protocol = service.metadata["protocol"]
    if protocol in ("query", "ec2") and status < 300:  # AWS wraps the answer in <OpResponse>
        import xml.etree.ElementTree as ET
        root = ET.fromstring(body_of(resp)).tag.split("}")[-1]
        if root != model.name + "Response":
            return [f"root element <{root}>, not <{model.name}Response>"]
    parser = botocore.parsers.create_parser(protocol)
    parsed = parser.parse({"status_code": status, "headers": headers, "body": body_of(resp)},
                          model.output_shape)
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        return [] if code else [f"error answer without a code: {parsed}"]
    if "Error" in parsed and parsed["Error"].get("Code"):
        return [f"a 2xx answer parsed as error {parsed['Error']}"]
    return [f"required member missing or mistyped: {p}" for p in
            missing_required(model.output_shape, parsed, model.name)]


def main():
    src = sys.argv[1]
    problems, answers, unmodelled = [], 0, set()
    for path in sorted(glob.glob(os.path.join(src, "tests/fixtures/scenarios/aws_*/scenario.json"))):
        with open(path) as f:
            spec = json.load(f)
        for i, route in enumerate(spec["routes"]):
            where = f"{os.path.basename(os.path.dirname(path))} route {i}"
            if "op" not in route:
                problems.append(f"{where}: no \"op\"")
                continue
            for j, resp in enumerate(route["responses"]):
                try:
                    operation(route["op"])
                except botocore.model.OperationNotFoundError:
                    # newer than this botocore (Debian 12 has 1.29): said, not counted
                    unmodelled.add(route["op"])
                    continue
                answers += 1
                try:
                    for p in check(route["op"], resp):
                        problems.append(f"{where} ({route['op']}) answer {j}: {p}")
                except Exception as e:  # botocore could not parse it at all
                    problems.append(f"{where} ({route['op']}) answer {j}: unparseable: {e!r}")
    for p in problems:
        print(p)
    if unmodelled:
        print(f"not in botocore {botocore.__version__}'s models (not checked): "
              f"{', '.join(sorted(unmodelled))}")
    print(f"{answers} answers checked, {len(problems)} problems")
    return 1 if problems or answers == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
