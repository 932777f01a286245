"""tools/peers/export_onnx.py - torchvision's AlexNet (random weights, float32) to ONNX for the
ONNX Runtime and OpenVINO peers, with the batch left free ("batch") so one file serves every batch.

Run by tools/peers/setup_peers.sh with the torch environment's Python.
usage: export_onnx.py OUT.onnx
"""
import os
import sys

import torch
import torchvision


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export_onnx.py OUT.onnx")
    out = sys.argv[1]
    torch.manual_seed(1)
    model = torchvision.models.alexnet().eval()
    x = torch.rand(2, 3, 224, 224)
    tmp = out + ".part"
    with torch.no_grad():
        torch.onnx.export(model, (x,), tmp, input_names=["images"], output_names=["logits"],
                          dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=4096)},),
                          dynamo=True, external_data=False, verbose=False)
    import onnx
    m = onnx.load(tmp)
    onnx.checker.check_model(m)
    dims = [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    if dims != ["batch", 3, 224, 224]:
        sys.exit(f"export_onnx: the input came out as {dims}, not [batch, 3, 224, 224]")
    os.replace(tmp, out)
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"export_onnx: {out}, torch {torch.__version__}, opset {m.opset_import[0].version}, "
          f"input {dims}, operators {' '.join(ops)}")


if __name__ == "__main__":
    main()
