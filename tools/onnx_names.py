"""Stable names for tf2onnx output: the same model converted twice must give the same bytes."""

import re


def canonical_names(graph):
    """Renumber the __N suffixes tf2onnx gives nodes, values and constants in order of use; store constants so.

    tf2onnx numbers them from a counter whose order changes from run to run.
    """
    numbered, renames = re.compile(r"__\d+"), {}

    def canonical(name):
        if name not in renames and numbered.search(name):
            renames[name] = f"{numbered.sub('', name)}__c{len(renames)}"
        return renames.get(name, name)

    for node in graph.node:
        node.input[:] = [canonical(name) for name in node.input]
        node.output[:] = [canonical(name) for name in node.output]
        node.name = canonical(node.name)
    initializers = {canonical(init.name): init for init in graph.initializer}
    order = list(dict.fromkeys(name for node in graph.node for name in node.input if name in initializers))
    kept = [initializers[name] for name in order]
    for name, init in zip(order, kept):
        init.name = name
    del graph.initializer[:]
    graph.initializer.extend(kept)
