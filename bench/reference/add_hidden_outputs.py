"""Adds the hidden states of the MiniLM ONNX graph as outputs: the embedding LayerNorm's output and each layer's
output LayerNorm (the ones Hugging Face's output_hidden_states returns), named hidden_0 .. hidden_6. The graph
decomposes LayerNorm into ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add; a LayerNorm is found as a Div by a Sqrt, then the
Mul (weight) and Add (bias) after it. Part of the independent UPOS reference (bench/reference/README.md).
Usage: python3 add_hidden_outputs.py IN.onnx OUT.onnx"""
import sys

import onnx
from onnx import helper

model = onnx.load(sys.argv[1])
g = model.graph
producer = {o: n for n in g.node for o in n.output}
consumers = {}
for n in g.node:
    for i in n.input:
        consumers.setdefault(i, []).append(n)

norms = []
for n in g.node:
    if n.op_type == "Div" and n.input[1] in producer and producer[n.input[1]].op_type == "Sqrt":
        mul = consumers[n.output[0]][0]
        add = consumers[mul.output[0]][0]
        assert mul.op_type == "Mul" and add.op_type == "Add", (mul.op_type, add.op_type)
        norms.append(add.output[0])
# embeddings, then (attention output, layer output) per layer
assert len(norms) == 13, len(norms)
hidden = [norms[0]] + norms[2::2]
for k, name in enumerate(hidden):
    ident = helper.make_node("Identity", [name], [f"hidden_{k}"])
    g.node.append(ident)
    g.output.append(helper.make_tensor_value_info(f"hidden_{k}", onnx.TensorProto.FLOAT, None))
onnx.save(model, sys.argv[2])
print("added", len(hidden), "hidden-state outputs")
