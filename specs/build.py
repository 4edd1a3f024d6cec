"""Derive the gateway's OpenAPI 3.1 documents (specs/*.json) from the providers' reference specs.

The providers' files are the data of record but none of them works with the test tools as published
(see ../shared/reference/NOTES.md). This script picks the operations the gateway serves, copies the
transitive closure of their `$ref`s, normalises them to plain OpenAPI 3.1 / JSON Schema 2020-12,
drops the providers' prose, applies our own decisions from specs/overlays/*.yaml and writes one
deterministic JSON document per surface, so a drift check can compare bytes.

    python specs/build.py [--reference DIR] [--check]

Overlay vocabulary (one file per output document, plus protocols.yaml shared by API family):
  source, title, version, family, protocol   where the operations come from, what they are
  mounts          path prefixes the operations are served under, each with an operationId prefix
  operations      upstream {path, method} → our path and operationId; `stream` (data | union |
                  events, terminator) models the SSE events; `json` replaces the 2xx JSON schema
  parameters      parameters added to every operation; drop_parameters: ones we do not serve
  schemas         our own component schemas
  patch           RFC 7396 merge patches on upstream schemas / parameters
  relax_required  {Schema[/pointer]: [fields]} required upstream, absent in real traffic
  allow_null      {Schema[/pointer]: [fields]} not nullable upstream, null in real traffic
  proto3_json     read bodies as Google's protobuf JSON parser does
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPECS_DIR = Path(__file__).resolve().parent
OVERLAYS_DIR = SPECS_DIR / "overlays"
DEFAULT_REFERENCE = SPECS_DIR.parent.parent / "shared" / "reference"
SHARED_OVERLAY = "protocols.yaml"
SURFACE_KEYS = frozenset(
    {
        "source",
        "title",
        "version",
        "family",
        "protocol",
        "mounts",
        "operations",
        "parameters",
        "drop_parameters",
        "schemas",
        "patch",
        "relax_required",
        "allow_null",
        "proto3_json",
    }
)

Json = Any

# Keywords whose values are schemas, maps of schemas, or lists of schemas (JSON Schema 2020-12).
SUBSCHEMA = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "propertyNames",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "contentSchema",
    }
)
SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})

# Documentation and SDK-generator hints: dropped so no provider prose ends up in our files, and so
# openapi-core does not resolve mapping-less discriminators or refuse read-only fields in requests.
ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "summary",
        "example",
        "examples",
        "$comment",
        "externalDocs",
        "discriminator",
        "readOnly",
        "writeOnly",
        "$recursiveAnchor",
    }
)
INT64_STRING_PATTERN = "^-?[0-9]+$"
BASE64_EITHER_ALPHABET = "^[A-Za-z0-9+/_-]*={0,2}$"


# ---------------------------------------------------------------------------------------------
# Schema normalisation


def child_slots(schema: dict) -> Iterator[tuple[dict | list, Any]]:
    """(container, key) of every direct subschema, so walkers can read or replace it."""
    for key, value in schema.items():
        if key in SUBSCHEMA:
            yield schema, key
        elif key in SUBSCHEMA_MAP and isinstance(value, dict):
            yield from ((value, name) for name in value)
        elif key in SUBSCHEMA_LIST and isinstance(value, list):
            yield from ((value, index) for index in range(len(value)))


def rewrite_schemas(schema: Json, fn: Callable[[dict], Json]) -> Json:
    """Apply `fn` bottom-up to every schema object (never to property names); returns the new root."""
    if not isinstance(schema, dict):
        return schema
    for container, key in list(child_slots(schema)):
        container[key] = rewrite_schemas(container[key], fn)
    return fn(schema)


def iter_schema_nodes(schema: Json) -> Iterator[dict]:
    """Every schema object inside `schema`, in place, so callers may edit them."""
    if isinstance(schema, dict):
        yield schema
        for container, key in child_slots(schema):
            yield from iter_schema_nodes(container[key])


def drop_annotations(node: dict) -> dict:
    return {k: v for k, v in node.items() if k not in ANNOTATIONS and not k.startswith("x-")}


def fix_boolean_exclusive(node: dict) -> dict:
    """Draft-4 style `exclusiveMinimum: true` next to `minimum` becomes the 2020-12 number form."""
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(flag), bool) and node.pop(flag) and bound in node:
            node[flag] = node.pop(bound)
    return node


def dedupe_required(node: dict) -> dict:
    if isinstance(node.get("required"), list):
        node["required"] = list(dict.fromkeys(node["required"]))
    return node


def allow_null(node: dict) -> dict:
    """The same schema, also accepting JSON null."""
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    kind = node.get("type")
    if kind is None:
        return {"anyOf": [node, {"type": "null"}]} if node else node
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        node["type"] = [*kinds, "null"]
    return node


def rewrite_nullable(node: dict) -> dict:
    """`nullable` means nothing in 3.1: express it as a type union (or an anyOf when untyped)."""
    return allow_null(node) if node.pop("nullable", False) else node


def one_of_as_any_of(node: dict) -> dict:
    """Upstream unions are tagged by the discriminators we drop; untagged, overlapping members
    (an EasyInputMessage is also an InputMessage) would make `oneOf` reject valid data."""
    if "oneOf" not in node:
        return node
    members = node.pop("oneOf")
    if "anyOf" in node:
        node.setdefault("allOf", []).append({"anyOf": members})
    else:
        node["anyOf"] = members
    return node


def resolve_recursive_ref(node: dict, self_ref: str | None) -> dict:
    if node.get("$recursiveRef") == "#" and self_ref:
        node["$ref"] = self_ref
        del node["$recursiveRef"]
    return node


def normalise_schema(schema: Json, self_ref: str | None = None) -> Json:
    """Clean one component schema; `self_ref` is where its `$recursiveRef: '#'` points."""
    if not (isinstance(schema, dict) and schema.get("$recursiveAnchor")):
        self_ref = None

    def fix(node: dict) -> Json:
        node = resolve_recursive_ref(node, self_ref)
        node = drop_annotations(node)
        node = fix_boolean_exclusive(node)
        node = dedupe_required(node)
        node = one_of_as_any_of(node)
        return rewrite_nullable(node)

    return rewrite_schemas(schema, fix)


def normalise_parameter(param: dict) -> dict:
    """Keep the facts of a parameter; Google prefixes its system parameters with `$` ($alt → alt)."""
    if "$ref" in param:
        return {"$ref": param["$ref"]}
    name = param["name"]
    if re.match(r"^\$[A-Za-z]", name):
        name = name[1:]
    kept = {k: v for k, v in param.items() if k in ("in", "required", "style", "explode", "deprecated")}
    return {**kept, "name": name, "schema": normalise_schema(param.get("schema", {}))}


def normalise_components(components: dict) -> dict:
    schemas = {
        name: normalise_schema(schema, f"#/components/schemas/{name}")
        for name, schema in components.get("schemas", {}).items()
    }
    parameters = {name: normalise_parameter(p) for name, p in components.get("parameters", {}).items()}
    return {"schemas": schemas, "parameters": parameters}


# ---------------------------------------------------------------------------------------------
# Overlays


def merge_patch(target: Json, patch: Json) -> Json:
    """RFC 7396 JSON merge patch: maps merge recursively, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def locate(schemas: dict, where: str) -> dict:
    """`Name` or `Name/json/pointer/into/it` → that schema object inside the components."""
    name, *pointer = where.split("/")
    node = schemas[name]
    for part in pointer:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def relax_required(schemas: dict, relaxations: dict[str, list[str]]) -> None:
    """Real traffic omits these fields although the upstream schema requires them."""
    for where, fields in relaxations.items():
        schema = locate(schemas, where)
        missing = set(fields) - set(schema.get("required", []))
        if missing:
            raise SystemExit(f"overlay relaxes {where}.required {sorted(missing)}: not required upstream")
        schema["required"] = [f for f in schema["required"] if f not in fields]


def allow_null_properties(schemas: dict, nullables: dict[str, list[str]]) -> None:
    """Real traffic sends null for these fields although the upstream schema does not allow it."""
    for where, fields in nullables.items():
        properties = locate(schemas, where)["properties"]
        for field in fields:
            properties[field] = allow_null(properties[field])


def proto3_json(schemas: dict) -> None:
    """Google's JSON mapping of protobuf, as its parser reads requests: `null` is the field's default,
    an int64 is a number or a decimal string, bytes are standard or URL-safe base64."""
    for schema in schemas.values():
        for node in iter_schema_nodes(schema):
            if node.get("type") == "string" and node.get("format") in ("int64", "uint64"):
                node["type"] = ["integer", "string"]
                node["pattern"] = INT64_STRING_PATTERN
            if node.get("format") == "byte":
                del node["format"]
                node["pattern"] = BASE64_EITHER_ALPHABET
            for name, sub in node.get("properties", {}).items():
                node["properties"][name] = allow_null(sub)


def patch_source(components: dict, overlay: dict) -> None:
    """Our corrections to upstream components, applied before the closure is computed."""
    schemas = components["schemas"]
    for name, patch in overlay.get("patch", {}).get("schemas", {}).items():
        schemas[name] = merge_patch(schemas[name], patch)
    for name, patch in overlay.get("patch", {}).get("parameters", {}).items():
        components["parameters"][name] = merge_patch(components["parameters"][name], patch)
    relax_required(schemas, overlay.get("relax_required", {}))
    allow_null_properties(schemas, overlay.get("allow_null", {}))
    if overlay.get("proto3_json"):
        proto3_json(schemas)


# ---------------------------------------------------------------------------------------------
# Server-sent events


def schema_ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def json_string(content_schema: dict) -> dict:
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": content_schema}


def pinned_payload(name: str, ref: str) -> dict:
    """The payload schema with its `type` field pinned to the SSE event name."""
    pin = {"type": "object", "properties": {"type": {"const": name}}, "required": ["type"]}
    return {"allOf": [{"$ref": ref}, pin]}


def union_event_names(schemas: dict, union: str) -> dict[str, str]:
    """Map each member's `type` value to the member's ref (the stream union lists every event)."""
    names = {}
    for branch in schemas[union].get("anyOf") or schemas[union]["oneOf"]:
        member = schemas[branch["$ref"].rsplit("/", 1)[1]]
        kind = member["properties"]["type"]
        for value in kind.get("enum") or [kind["const"]]:
            names[value] = branch["$ref"]
    return names


def stream_payloads(stream: dict, schemas: dict) -> dict[str, str]:
    """Event name → payload ref; `*` for data-only streams whose events carry no name."""
    if "data" in stream:
        return {"*": schema_ref(stream["data"])}
    named = union_event_names(schemas, stream["union"]) if "union" in stream else {}
    named.update({event: schema_ref(name) for event, name in stream.get("events", {}).items()})
    return dict(sorted(named.items()))


def sse_event_schema(payloads: dict[str, str], terminator: str | None) -> dict:
    """One SSE event object {event?, data, id?, retry?} as schemathesis and our validator see it."""
    envelope = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer", "minimum": 0},
        },
    }
    if "*" in payloads:
        data = json_string({"$ref": payloads["*"]})
        if terminator:
            data = {"anyOf": [{"const": terminator}, data]}
        envelope["properties"]["data"] = data
        return envelope
    branches = [
        {
            "required": ["event", "data"],
            "properties": {"event": {"const": name}, "data": json_string(pinned_payload(name, ref))},
        }
        for name, ref in payloads.items()
    ]
    if terminator:
        branches.append({"not": {"required": ["event"]}, "properties": {"data": {"const": terminator}}})
    envelope["properties"]["data"] = {"type": "string"}
    envelope["oneOf"] = branches
    return envelope


# ---------------------------------------------------------------------------------------------
# Operations


def source_operation(source: dict, spec: dict) -> tuple[dict, list]:
    path_item = source["paths"][spec["path"]]
    return path_item[spec["method"]], path_item.get("parameters", [])


def success_response(operation: dict) -> dict:
    """The upstream 2xx (or Google's catch-all `default`) response, content schemas only."""
    responses = operation["responses"]
    status = next((s for s in responses if s.startswith("2")), "default")
    content = {
        media: {"schema": normalise_schema(body["schema"])}
        for media, body in responses[status].get("content", {}).items()
        if media == "application/json"
    }
    return {"description": "OK", "content": content}


def operation_parameters(source: dict, declared: list, extra: list, dropped: set[str]) -> list:
    """Upstream parameters plus ours, minus those we leave out: credentials (declared as security
    schemes instead) and system parameters the gateway does not implement. Names compare lower-case."""
    params = [normalise_parameter(p) for p in declared] + copy.deepcopy(extra)
    components = source["components"]["parameters"]

    def name(param: dict) -> str:
        target = components[param["$ref"].rsplit("/", 1)[1]] if "$ref" in param else param
        return target["name"].lower()

    return [p for p in params if name(p) not in dropped]


def build_operation(source: dict, spec: dict, mount: dict, surface: dict, family: dict) -> dict:
    upstream, path_params = source_operation(source, spec["from"])
    extra = surface.get("parameters", []) + spec.get("parameters", [])
    dropped = {n.lower() for n in family.get("credential_headers", []) + surface.get("drop_parameters", [])}
    operation = {
        "operationId": f"{mount['id']}.{spec['operationId']}",
        "x-gateway-protocol": surface["protocol"],
        "parameters": operation_parameters(
            source, path_params + upstream.get("parameters", []), extra, dropped
        ),
        "responses": {"200": success_response(upstream)},
        "security": family["security"],
    }
    if "requestBody" in upstream:
        body = upstream["requestBody"]
        operation["requestBody"] = {
            "required": True,
            "content": {
                media: {"schema": normalise_schema(item["schema"])} for media, item in body["content"].items()
            },
        }
    if "json" in spec:
        operation["responses"]["200"]["content"]["application/json"] = {"schema": spec["json"]}
    if "stream" in spec:
        add_stream(operation, spec["stream"], source["components"]["schemas"])
    for status in family["error_statuses"]:
        operation["responses"][str(status)] = {"$ref": "#/components/responses/Error"}
    return {k: v for k, v in operation.items() if v != []}


def add_stream(operation: dict, stream: dict, schemas: dict) -> None:
    payloads = stream_payloads(stream, schemas)
    terminator = stream.get("terminator")
    operation["x-sse-payload-schemas"] = payloads
    if terminator:
        operation["x-sse-terminator"] = terminator
    operation["responses"]["200"]["content"]["text/event-stream"] = {
        "schema": sse_event_schema(payloads, terminator)
    }


def build_paths(source: dict, surface: dict, family: dict) -> dict:
    paths: dict = {}
    for mount in surface["mounts"]:
        for spec in surface["operations"]:
            operation = build_operation(source, spec, mount, surface, family)
            paths.setdefault(mount["path"] + spec["path"], {})[spec["from"]["method"]] = operation
    return paths


# ---------------------------------------------------------------------------------------------
# Closure and final clean-up


def iter_refs(node: Json) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)
    elif isinstance(node, str) and node.startswith("#/components/"):
        yield node  # x-sse-payload-schemas values


def pull_components(doc: dict, source_components: dict) -> None:
    """Copy every upstream component the document references, transitively."""
    pending = list(iter_refs(doc))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/components/"):
            raise SystemExit(f"unsupported $ref {ref}")
        kind, name = ref.split("/")[2:4]
        section = doc["components"].setdefault(kind, {})
        if name in section:
            continue
        if name not in source_components.get(kind, {}):
            raise SystemExit(f"dangling $ref {ref}")
        section[name] = copy.deepcopy(source_components[kind][name])
        pending.extend(iter_refs(section[name]))


def iter_document_schemas(doc: dict) -> Iterator[dict]:
    """Every schema object of an OpenAPI document: components, parameters, bodies, responses."""
    components = doc["components"]
    roots: list[Json] = list(components.get("schemas", {}).values())
    roots += [p["schema"] for p in components.get("parameters", {}).values()]
    for path_item in doc["paths"].values():
        for operation in path_item.values():
            roots += [p["schema"] for p in operation.get("parameters", []) if "schema" in p]
            roots += [m["schema"] for m in operation.get("requestBody", {}).get("content", {}).values()]
            for response in operation["responses"].values():
                roots += [m["schema"] for m in response.get("content", {}).values()]
    for root in roots:
        yield from iter_schema_nodes(root)


def drop_invalid_defaults(doc: dict) -> None:
    """Upstream defaults that fail their own schema would make generators and validators trip."""
    for node in iter_document_schemas(doc):
        if "default" in node:
            # Local refs (#/components/...) resolve against this root, which carries the components.
            candidate = {k: v for k, v in node.items() if k != "default"}
            candidate["components"] = doc["components"]
            if not jsonschema.Draft202012Validator(candidate).is_valid(node["default"]):
                del node["default"]


def our_components(surface: dict, family: dict) -> dict:
    schemas = {**family.get("schemas", {}), **surface.get("schemas", {})}
    return {
        "schemas": copy.deepcopy(schemas),
        "securitySchemes": copy.deepcopy(family["securitySchemes"]),
        "responses": {
            "Error": {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": schema_ref(family["error_schema"])}}},
            }
        },
    }


def build_surface(surface: dict, shared: dict, reference: Path) -> dict:
    raw = json.loads((reference / surface["source"]).read_text())
    source = {"paths": raw["paths"], "components": normalise_components(raw.get("components", {}))}
    patch_source(source["components"], surface)
    family = shared[surface["family"]]
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": surface["title"],
            "version": surface["version"],
            "x-upstream": {"file": surface["source"], "version": raw["info"].get("version")},
        },
        "servers": [{"url": "/"}],
        "paths": build_paths(source, surface, family),
        "components": our_components(surface, family),
    }
    pull_components(doc, source["components"])
    drop_invalid_defaults(doc)
    return doc


def render(doc: dict) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_overlays() -> tuple[dict, dict[str, dict]]:
    shared = yaml.safe_load((OVERLAYS_DIR / SHARED_OVERLAY).read_text())
    surfaces = {
        path.stem: yaml.safe_load(path.read_text())
        for path in sorted(OVERLAYS_DIR.glob("*.yaml"))
        if path.name != SHARED_OVERLAY
    }
    for name, surface in surfaces.items():
        if unknown := set(surface) - SURFACE_KEYS:
            raise SystemExit(
                f"overlays/{name}.yaml: unknown keys {sorted(unknown)} (a typo would be ignored)"
            )
    return shared, surfaces


def build_all(reference: Path) -> dict[str, str]:
    """Surface name (the output file stem) → rendered document."""
    shared, surfaces = load_overlays()
    return {name: render(build_surface(surface, shared, reference)) for name, surface in surfaces.items()}


def short_diff(name: str, old: str, new: str, limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), f"{name} (committed)", f"{name} (derived)", lineterm=""
        )
    )
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def check(rendered: dict[str, str]) -> int:
    """Print a short diff for every committed document that differs from `rendered`; 1 if any."""
    stale = 0
    for path in sorted(SPECS_DIR.glob("*.json")):
        if path.stem not in rendered:
            stale += 1
            print(f"{path.name}: no overlay derives this file any more")
    for name, text in rendered.items():
        path = SPECS_DIR / f"{name}.json"
        old = path.read_text() if path.exists() else ""
        if old != text:
            stale += 1
            print(short_diff(path.name, old, text))
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="reference spec directory")
    parser.add_argument("--check", action="store_true", help="compare with specs/*.json instead of writing")
    args = parser.parse_args(argv)
    if not args.reference.is_dir():
        parser.error(f"reference directory {args.reference} does not exist")
    rendered = build_all(args.reference)
    if args.check:
        return check(rendered)
    for name, text in rendered.items():
        (SPECS_DIR / f"{name}.json").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
