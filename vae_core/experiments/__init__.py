"""Experiments built from the layers below: the shipped models, the β / λ families, the
seed study and the report."""
