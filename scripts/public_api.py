#!/usr/bin/env python3
"""Lists every public item of a crate, one line each, from rustdoc's JSON output.

    public_api.py <crate.json>     prints the listing

Paths are the ones users write (re-exports followed), signatures are rendered from rustdoc's types,
and trait implementations are listed by trait. Hidden items (`#[doc(hidden)]`) are not in rustdoc's
output, so they are not listed.
"""
import json
import sys

# Item id -> path, for items named by id only (traits of qualified paths).
PATHS = {}


def render_type(t):
    if t is None:
        return "()"
    (kind, v), = t.items()
    if kind == "resolved_path":
        return v["path"].split("::")[-1] + render_args(v.get("args"))
    if kind == "generic" or kind == "primitive":
        return v
    if kind == "borrowed_ref":
        life = (v["lifetime"] + " ") if v.get("lifetime") else ""
        return "&" + life + ("mut " if v["is_mutable"] else "") + render_type(v["type"])
    if kind == "raw_pointer":
        return ("*mut " if v["is_mutable"] else "*const ") + render_type(v["type"])
    if kind == "tuple":
        return "(" + ", ".join(render_type(x) for x in v) + ")"
    if kind == "slice":
        return "[" + render_type(v) + "]"
    if kind == "array":
        return "[" + render_type(v["type"]) + "; " + v["len"] + "]"
    if kind == "impl_trait":
        return "impl " + " + ".join(render_bound(b) for b in v)
    if kind == "dyn_trait":
        return "dyn " + " + ".join(
            p["trait"]["path"].split("::")[-1] + render_args(p["trait"].get("args")) for p in v["traits"]
        )
    if kind == "qualified_path":
        trait = v.get("trait")
        trait_name = "_"
        if trait:
            known = PATHS.get(str(trait.get("id")))
            trait_name = trait["path"] or (known["path"][-1] if known else "_")
        return "<" + render_type(v["self_type"]) + " as " + trait_name + ">::" + v["name"]
    if kind == "function_pointer":
        sig = v["sig"]
        return "fn(" + ", ".join(render_type(x[1]) for x in sig["inputs"]) + ")" + render_output(sig["output"])
    return kind


def render_args(args):
    if not args:
        return ""
    if "angle_bracketed" in args:
        parts = []
        for a in args["angle_bracketed"]["args"]:
            (k, v), = a.items()
            parts.append(render_type(v) if k == "type" else (v if isinstance(v, str) else json.dumps(v)))
        for c in args["angle_bracketed"]["constraints"]:
            binding = c["binding"]
            if "equality" in binding:
                value = binding["equality"]
                rendered = render_type(value["type"]) if "type" in value else str(value)
                parts.append(c["name"] + " = " + rendered)
            else:
                parts.append(c["name"] + ": " + " + ".join(render_bound(b) for b in binding["constraint"]))
        return "<" + ", ".join(parts) + ">" if parts else ""
    if "parenthesized" in args:
        p = args["parenthesized"]
        return "(" + ", ".join(render_type(x) for x in p["inputs"]) + ")" + render_output(p.get("output"))
    return ""


def render_bound(b):
    if "trait_bound" in b:
        t = b["trait_bound"]["trait"]
        modifier = "?" if b["trait_bound"].get("modifier") == "maybe" else ""
        return modifier + t["path"].split("::")[-1] + render_args(t.get("args"))
    if "outlives" in b:
        return b["outlives"]
    return "use<..>"


def render_output(output):
    return "" if output is None else " -> " + render_type(output)


def render_generics(g):
    params = []
    for p in g["params"]:
        kind = p["kind"]
        if "type" in kind:
            if kind["type"].get("is_synthetic"):
                continue
            bounds = kind["type"]["bounds"]
            params.append(p["name"] + (": " + " + ".join(render_bound(b) for b in bounds) if bounds else ""))
        elif "const" in kind:
            params.append("const " + p["name"] + ": " + render_type(kind["const"]["type"]))
        else:
            params.append(p["name"])
    text = "<" + ", ".join(params) + ">" if params else ""
    wheres = []
    for w in g.get("where_predicates", []):
        if "bound_predicate" in w:
            bp = w["bound_predicate"]
            wheres.append(render_type(bp["type"]) + ": " + " + ".join(render_bound(b) for b in bp["bounds"]))
    if wheres:
        text += " where " + ", ".join(wheres)
    return text


def render_fn(name, f):
    sig = f["sig"]
    header = f["header"]
    prefix = ("const " if header["is_const"] else "") + ("async " if header["is_async"] else "")
    inputs = ", ".join(
        ("self" if n == "self" else n + ": ") + ("" if n == "self" else render_type(t)) if n != "self" else render_self(t)
        for n, t in sig["inputs"]
    )
    generics = render_generics(f["generics"])
    where = ""
    if " where " in generics:
        generics, where = generics.split(" where ", 1)
        where = " where " + where
    return prefix + "fn " + name + generics + "(" + inputs + ")" + render_output(sig["output"]) + where


def render_self(t):
    rendered = render_type(t)
    return {"Self": "self", "&Self": "&self", "&mut Self": "&mut self"}.get(rendered, "self: " + rendered)


class Lister:
    def __init__(self, doc):
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.lines = set()

    def item(self, item_id):
        return self.index.get(str(item_id))

    def emit(self, line):
        self.lines.add(line)

    def module(self, item_id, path):
        module = self.item(item_id)
        for child_id in module["inner"]["module"]["items"]:
            self.visit(child_id, path)

    def visit(self, item_id, path, name=None):
        item = self.item(item_id)
        if item is None:
            return
        (kind, inner), = item["inner"].items()
        name = name or item["name"]
        here = f"{path}::{name}" if name else path
        if kind == "use":
            target = self.item(inner["id"]) if inner.get("id") is not None else None
            if inner["is_glob"]:
                if target and "module" in target["inner"]:
                    self.module(inner["id"], path)
                else:
                    self.emit(f"pub use {path}::{inner['source']}::*")
            elif target is None or target["crate_id"] != 0:
                self.emit(f"pub use {path}::{inner['name']} = {inner['source']}")
            else:
                self.visit(inner["id"], path, inner["name"])
        elif kind == "module":
            self.emit(f"pub mod {here}")
            self.module(item_id, here)
        elif kind == "struct":
            self.emit(f"pub struct {here}{render_generics(inner['generics'])}")
            struct_kind = inner["kind"]
            if "plain" in struct_kind:
                for field_id in struct_kind["plain"]["fields"]:
                    field = self.item(field_id)
                    if field:
                        self.emit(f"pub {here}.{field['name']}: {render_type(field['inner']['struct_field'])}")
            self.impls(inner["impls"], here)
        elif kind == "enum":
            self.emit(f"pub enum {here}{render_generics(inner['generics'])}")
            for variant_id in inner["variants"]:
                variant = self.item(variant_id)
                self.emit(f"pub {here}::{variant['name']}{self.variant_fields(variant)}")
            self.impls(inner["impls"], here)
        elif kind == "trait":
            bounds = " + ".join(render_bound(b) for b in inner["bounds"])
            self.emit(f"pub trait {here}{render_generics(inner['generics'])}{': ' + bounds if bounds else ''}")
            for member_id in inner["items"]:
                self.member(member_id, here)
        elif kind == "function":
            self.emit(f"pub {render_fn(here, inner)}")
        elif kind == "type_alias":
            self.emit(f"pub type {here}{render_generics(inner['generics'])} = {render_type(inner['type'])}")
        elif kind == "constant":
            self.emit(f"pub const {here}: {render_type(inner['type'])}")
        elif kind == "macro" or kind == "proc_macro":
            self.emit(f"pub macro {here}")
        else:
            self.emit(f"pub {kind} {here}")

    def variant_fields(self, variant):
        kind = variant["inner"]["variant"]["kind"]
        if kind == "plain":
            return ""
        if "tuple" in kind:
            fields = [self.item(f) for f in kind["tuple"] if f is not None]
            return "(" + ", ".join(render_type(f["inner"]["struct_field"]) for f in fields if f) + ")"
        fields = [self.item(f) for f in kind["struct"]["fields"]]
        return " { " + ", ".join(f"{f['name']}: {render_type(f['inner']['struct_field'])}" for f in fields if f) + " }"

    def member(self, member_id, owner):
        member = self.item(member_id)
        if member is None:
            return
        (kind, inner), = member["inner"].items()
        if kind == "function":
            self.emit(f"pub {render_fn(owner + '::' + member['name'], inner)}")
        elif kind == "assoc_type":
            self.emit(f"pub type {owner}::{member['name']}")
        elif kind == "assoc_const":
            self.emit(f"pub const {owner}::{member['name']}: {render_type(inner['type'])}")

    def impls(self, impl_ids, owner):
        for impl_id in impl_ids:
            impl = self.item(impl_id)
            if impl is None:
                continue
            inner = impl["inner"]["impl"]
            if inner["is_synthetic"] or inner["blanket_impl"] is not None:
                continue
            trait = inner["trait"]
            if trait is None:
                for member_id in inner["items"]:
                    member = self.item(member_id)
                    if member and member["visibility"] == "public":
                        self.member(member_id, owner)
            else:
                self.emit(f"impl {trait['path'].split('::')[-1]}{render_args(trait.get('args'))} for {owner}")


def main():
    doc = json.load(open(sys.argv[1]))
    PATHS.update(doc["paths"])
    lister = Lister(doc)
    root = doc["root"]
    name = lister.item(root)["name"]
    lister.module(root, name)
    for line in sorted(lister.lines):
        print(line)


if __name__ == "__main__":
    main()
