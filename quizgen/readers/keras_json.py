"""What Keras' ``model.to_json()`` writes (and a ``.keras`` file's config.json), as layers to count.

Sequential and functional models of Keras 3 and of tf.keras 2, nested models, shared layers
(counted once), merges, ``return_state``/``initial_state``. Keras itself is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.layers import ALIASES, LAYERS
from quizgen.counting.model import ModelCount, Node, Shape, count_graph
from quizgen.counting.spec import Arg, Call
from quizgen.errors import ModelFileError
from quizgen.readers.json_text import load_json

MODELS = ("Sequential", "Functional", "Model")
DROPPED = frozenset({"name", "dtype", "build_config", "batch_input_shape", "batch_shape", "input_shape", "input_dim_"})
Ref = tuple[int, int]  # (graph node, output tensor)


def _value(value: Any, where: str) -> Any:
    """A JSON value as a spec value: lists become tuples; structures cannot stand for a count."""
    if isinstance(value, list):
        return tuple(_value(v, where) for v in value)
    if isinstance(value, dict):
        raise ModelFileError(f"{where}: holds a structure quizgen cannot read as an option")
    return value


def _shape(value: Any) -> Shape | None:
    """A shape with its batch axis, as Keras writes it, without the batch axis."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    dims = value[1:]
    if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in dims):
        return None
    return tuple(dims)


@dataclass
class _Graph:
    source: str
    nodes: list[Node] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def fail(self, message: str) -> ModelFileError:
        return ModelFileError(f"{self.source}: {message}")

    def call(self, layer: dict[str, Any], where: str) -> Call:
        """The spec call of one (non-model) layer's JSON."""
        cls = layer.get("class_name")
        config = layer.get("config")
        if not isinstance(cls, str) or not isinstance(config, dict):
            raise self.fail(f"{where}: a layer needs class_name and config")
        name = ALIASES.get(cls, cls)
        if name not in LAYERS:
            registered = layer.get("registered_name")
            custom = " (a custom layer: its weights are not in the JSON)" if registered or "module" not in layer else ""
            raise self.fail(f"{where}: layer class {cls} cannot be counted{custom}")
        kwargs: dict[str, Arg] = {}
        for key, value in config.items():
            if key in DROPPED:
                continue
            if key in ("layer", "backward_layer") and isinstance(value, dict):
                if key == "backward_layer":
                    if _without_direction(value) != _without_direction(config.get("layer")):
                        raise self.fail(f"{where}: its backward layer differs from the forward one: not counted here")
                    continue
                kwargs["layer"] = Arg(self.call(value, f"{where}.layer"))
                continue
            if isinstance(value, dict):
                if key.endswith(("_initializer", "_regularizer", "_constraint")) or key in ("dtype", "seed_generator"):
                    continue
                raise self.fail(f"{where}: option {key} holds a structure quizgen cannot read")
            kwargs[key] = Arg(_value(value, f"{where}.{key}"), name=key)
        if "layer" in kwargs:
            inner = kwargs.pop("layer")
            return Call(cls, (inner,), 1, 1, kwargs)
        return Call(cls, (), 1, 1, kwargs)

    def add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def input_node(self, shape: Shape, name: str) -> int:
        args = tuple(Arg(d) for d in shape)
        return self.add(Node(Call("Input", args), name=name))

    def model(self, data: dict[str, Any], inputs: list[Ref] | None, prefix: str) -> list[Ref]:
        cls = data.get("class_name")
        config = data.get("config")
        if not isinstance(config, dict):
            raise self.fail(f"{prefix or 'model'}: a model needs a config")
        layers = config.get("layers")
        if not isinstance(layers, list) or not layers:
            raise self.fail(f"{prefix or 'model'}: the model has no layers")
        if cls == "Sequential" or not any(isinstance(layer, dict) and "inbound_nodes" in layer for layer in layers):
            return self.sequential(data, layers, inputs, prefix)
        return self.functional(config, layers, inputs, prefix)

    def sequential(self, data: dict[str, Any], layers: list[Any], inputs: list[Ref] | None, prefix: str) -> list[Ref]:
        current: Ref | None = inputs[0] if inputs else None
        for k, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise self.fail(f"{prefix}layers[{k}]: not a layer")
            config: dict[str, Any] = layer["config"] if isinstance(layer.get("config"), dict) else {}
            name = f"{prefix}{config.get('name', f'layer_{k}')}"
            if layer.get("class_name") == "InputLayer":
                if current is None:
                    current = (self.input_node(self._input_shape(config, name), name), 0)
                continue
            if current is None:
                shape = _shape(config.get("batch_input_shape") or config.get("batch_shape"))
                built = layer.get("build_config") or data.get("build_config") or {}
                shape = shape or _shape(built.get("input_shape") if isinstance(built, dict) else None)
                if shape is None:
                    raise self.fail(
                        f"{name}: the model's input shape is not in the file (it was saved before it was built): "
                        "start it with keras.Input(shape=...)"
                    )
                current = (self.input_node(shape, f"{prefix}input"), 0)
            if layer.get("class_name") in MODELS:
                current = self.model(layer, [current], f"{name}/")[0]
                continue
            explicit = _shape((layer.get("build_config") or {}).get("input_shape"))
            node = Node(self.call(layer, name), (current,), (explicit,) if explicit else None, name=name)
            current = (self.add(node), 0)
        if current is None:
            raise self.fail(f"{prefix or 'model'}: the model has no layers")
        return [current]

    def _input_shape(self, config: dict[str, Any], name: str) -> Shape:
        shape = _shape(config.get("batch_shape") or config.get("batch_input_shape"))
        if shape is None:
            raise self.fail(f"{name}: an InputLayer needs batch_shape")
        return shape

    def functional(self, config: dict[str, Any], layers: list[Any], inputs: list[Ref] | None, prefix: str) -> list[Ref]:
        produced: dict[tuple[str, int], list[Ref] | int] = {}
        input_names = [entry[0] for entry in config.get("input_layers") or [] if isinstance(entry, list) and entry]
        if (
            isinstance(config.get("input_layers"), list)
            and config["input_layers"]
            and isinstance(config["input_layers"][0], str)
        ):
            input_names = [config["input_layers"][0]]
        for k, layer in enumerate(layers):
            if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
                raise self.fail(f"{prefix}layers[{k}]: not a layer")
            name = layer.get("name") or layer["config"].get("name") or f"layer_{k}"
            where = f"{prefix}{name}"
            if layer.get("class_name") == "InputLayer":
                if inputs is not None and name in input_names and input_names.index(name) < len(inputs):
                    produced[(name, 0)] = [inputs[input_names.index(name)]]
                else:
                    produced[(name, 0)] = self.input_node(self._input_shape(layer["config"], where), where)
                continue
            inbound = layer.get("inbound_nodes") or []
            if not isinstance(inbound, list):
                raise self.fail(f"{where}: inbound_nodes is not a list")
            for call_index, entry in enumerate(inbound):
                refs, shapes = self._tensors(entry, produced, where)
                if not refs:
                    raise self.fail(f"{where}: a call of the layer has no input")
                if layer.get("class_name") in MODELS:
                    produced[(name, call_index)] = self.model(layer, refs, f"{where}/")
                    continue
                explicit = tuple(shapes) if shapes and all(s is not None for s in shapes) else None
                node = Node(
                    self.call(layer, where),
                    tuple(refs),
                    explicit,  # type: ignore[arg-type]
                    name=where,
                    again=call_index > 0,
                )
                produced[(name, call_index)] = self.add(node)
        outputs = []
        for entry in _history_list(config.get("output_layers")):
            outputs.append(self._resolve(entry, produced, f"{prefix}output_layers"))
        if not outputs:
            raise self.fail(f"{prefix or 'model'}: the model names no output layers")
        return outputs

    def _tensors(
        self, entry: Any, produced: dict[tuple[str, int], list[Ref] | int], where: str
    ) -> tuple[list[Ref], list[Shape | None]]:
        """The input tensors of one call: Keras 3's ``{"args": …, "kwargs": …}`` or tf.keras' lists."""
        refs: list[Ref] = []
        shapes: list[Shape | None] = []
        if isinstance(entry, dict):
            found: list[dict[str, Any]] = []
            _collect(entry.get("args"), found)
            kwargs: dict[str, Any] = entry["kwargs"] if isinstance(entry.get("kwargs"), dict) else {}
            for key in ("query", "value", "key"):
                _collect(kwargs.get(key), found)
            for tensor in found:
                history = tensor["config"].get("keras_history")
                refs.append(self._resolve(history, produced, where))
                shapes.append(_shape(tensor["config"].get("shape")))
            return refs, shapes
        for item in entry if isinstance(entry, list) else []:
            refs.append(self._resolve(item, produced, where))
            shapes.append(None)
        return refs, shapes

    def _resolve(self, history: Any, produced: dict[tuple[str, int], list[Ref] | int], where: str) -> Ref:
        if not isinstance(history, list) or len(history) < 3 or not isinstance(history[0], str):
            raise self.fail(f"{where}: an input names no layer")
        name, call_index, tensor = history[0], history[1], history[2]
        target = produced.get((name, call_index))
        if target is None or not isinstance(tensor, int):
            raise self.fail(f"{where}: reads layer '{name}', which comes later or not at all")
        if isinstance(target, list):
            if tensor >= len(target):
                raise self.fail(f"{where}: reads output {tensor} of '{name}', which has {len(target)}")
            return target[tensor]
        return (target, tensor)


def _without_direction(layer: Any) -> Any:
    """A wrapped layer's JSON without what differs between the two directions of a Bidirectional."""
    if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
        return layer
    config = {k: v for k, v in layer["config"].items() if k not in ("name", "go_backwards")}
    return {**{k: v for k, v in layer.items() if k != "config"}, "config": config}


def _collect(value: Any, found: list[dict[str, Any]]) -> None:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__" and isinstance(value.get("config"), dict):
            found.append(value)
        return
    if isinstance(value, list):
        for item in value:
            _collect(item, found)


def _history_list(value: Any) -> list[Any]:
    """``output_layers`` as a list of [name, call, tensor] (a single one is written bare)."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    return value if isinstance(value, list) else []


def read_keras_json(text: str, source: str = "model.json") -> ModelCount:
    """Count a Keras model from its JSON (``model.to_json()`` or a ``.keras`` file's config.json)."""
    data = load_json(text, source)
    if isinstance(data, dict) and "model_config" in data and isinstance(data["model_config"], dict):
        data = data["model_config"]  # the config of an .h5 file
    if not isinstance(data, dict) or data.get("class_name") not in MODELS:
        raise ModelFileError(f"{source}: not a Keras model's JSON (no class_name Sequential, Functional or Model)")
    graph = _Graph(source)
    graph.model(data, None, "")
    name = (data.get("config") or {}).get("name") or data["class_name"]
    spec = f"{name} ({data['class_name']}, {sum(1 for n in graph.nodes if not n.again)} layers)"
    return count_graph(graph.nodes, "keras", source=source, spec=spec)
