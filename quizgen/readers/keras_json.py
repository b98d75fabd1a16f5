"""What Keras' ``model.to_json()`` writes (and a ``.keras`` file's config.json), as layers to count.

Sequential and functional models of Keras 3 and of tf.keras 2, nested models, shared layers
(counted once), merges, ``return_state``/``initial_state``. Keras itself is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.layers import ALIASES, LAYERS
from quizgen.counting.layers.merge import MERGE_TYPES
from quizgen.counting.model import ModelCount, Node, Shape, count_graph
from quizgen.counting.spec import Arg, Call
from quizgen.errors import ModelFileError
from quizgen.readers.json_text import load_json

MODELS = ("Sequential", "Functional", "Model")
DROPPED = frozenset({"name", "dtype", "build_config", "batch_input_shape", "batch_shape", "input_shape", "input_dim_"})
Ref = tuple[int, int]  # (graph node, output tensor)
TF_KERAS_SHAPES = {"MultiHeadAttention": frozenset({"query_shape", "key_shape", "value_shape"})}
"""Shapes tf.keras 2.x writes into a layer's config (those it was built with): dropped."""
GROUPS_OF_ONE = frozenset({"DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"})
"""Layers whose config tf.keras 2.x writes with ``groups``, always 1 (as the convolution they extend)."""
OP_LAYERS = frozenset({"TFOpLambda", "SlicingOpLambda", "Lambda"})
"""Layers without weights that run a function: tf.keras' wrapped TensorFlow ops and Lambda."""
KERAS_1_CLASSES = frozenset(
    {
        "Merge",
        "Convolution1D",
        "Convolution2D",
        "Convolution3D",
        "AtrousConvolution1D",
        "AtrousConvolution2D",
        "Deconvolution2D",
        "MaxoutDense",
        "Highway",
        "TimeDistributedDense",
    }
)
KERAS_1_KEYS = frozenset(
    {"W_regularizer", "b_regularizer", "W_constraint", "b_constraint", "init", "nb_filter", "nb_row"}
)


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
    operations: dict[str, list[str]] = field(default_factory=dict)  # weightless op and Lambda layers by kind
    repeat: int = 0  # > 0 while a nested model is called again: its layers' weights are counted once

    def fail(self, message: str) -> ModelFileError:
        return ModelFileError(f"{self.source}: {message}")

    def call(self, layer: dict[str, Any], where: str) -> Call:
        """The spec call of one (non-model) layer's JSON."""
        cls = layer.get("class_name")
        config = layer.get("config")
        if not isinstance(cls, str) or not isinstance(config, dict):
            raise self.fail(f"{where}: a layer needs class_name and config")
        operation = _operation(layer)
        if operation is not None:
            self.operations.setdefault(operation, []).append(where)
            shape = _shape([None, *config["output_shape"]]) if isinstance(config.get("output_shape"), list) else None
            return Call("Operation", (), 1, 1, {"output_shape": Arg(shape, name="output_shape")})
        name = ALIASES.get(cls, cls)
        if name not in LAYERS:
            registered = layer.get("registered_name")
            custom = " (a custom layer: its weights are not in the JSON)" if registered or "module" not in layer else ""
            raise self.fail(f"{where}: layer class {cls} cannot be counted{custom}")
        kwargs: dict[str, Arg] = {}
        for key, value in config.items():
            if key in DROPPED or key in TF_KERAS_SHAPES.get(cls, ()):
                continue
            if key == "groups" and cls in GROUPS_OF_ONE:
                if value != 1:
                    raise self.fail(f"{where}: {cls} with groups={value} is not counted here")
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
        if self.repeat:
            node.again = True
        self.nodes.append(node)
        return len(self.nodes) - 1

    def input_node(self, shape: Shape, name: str) -> int:
        args = tuple(Arg(d) for d in shape)
        return self.add(Node(Call("Input", args), name=name))

    def model(self, data: dict[str, Any], inputs: list[Ref] | None, prefix: str) -> list[Ref]:
        cls = data.get("class_name")
        config = data.get("config")
        if cls == "Sequential" and isinstance(config, list):
            config = {"layers": config}  # Keras 2.0-2.2 wrote a Sequential's config as its list of layers
            data = {**data, "config": config}
        if not isinstance(config, dict):
            raise self.fail(f"{prefix or 'model'}: a model needs a config (an object with its layers)")
        layers = config.get("layers")
        if not isinstance(layers, list) or not layers:
            raise self.fail(f"{prefix or 'model'}: the model has no layers")
        if cls == "Sequential" or not any(isinstance(layer, dict) and "inbound_nodes" in layer for layer in layers):
            return self.sequential(data, layers, inputs, prefix)
        return self.functional(config, layers, inputs, prefix)

    def sequential(self, data: dict[str, Any], layers: list[Any], inputs: list[Ref] | None, prefix: str) -> list[Ref]:
        current: Ref | None = inputs[0] if inputs else None
        unmerged: str | None = None
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
            sources: tuple[Ref, ...] = (current,)
            if unmerged is not None:
                if str(layer.get("class_name")) not in MERGE_TYPES:
                    raise self.fail(
                        f"{unmerged}: Bidirectional(merge_mode=None) gives two outputs: Keras refuses "
                        "a Sequential model that reads them as one"
                    )
                sources, unmerged = (current, (current[0], 1)), None
            node = Node(self.call(layer, name), sources, (explicit,) if explicit else None, name=name)
            current = (self.add(node), 0)
            wrapped = layer.get("config") or {}
            if layer.get("class_name") == "Bidirectional" and "merge_mode" in wrapped and wrapped["merge_mode"] is None:
                unmerged = name
        if current is None:
            raise self.fail(f"{prefix or 'model'}: the model has no layers")
        if unmerged is not None:
            return [current, (current[0], 1)]
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
        calls: list[tuple[dict[str, Any], str, str, int, Any]] = []
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
            calls += [(layer, name, where, call_index, entry) for call_index, entry in enumerate(inbound)]
        # Keras lists each layer once with all its calls; a later call may read a layer listed after
        # it (a shared encoder applied to another branch's output): calls are taken once their inputs exist.
        while calls:
            waiting = []
            for layer, name, where, call_index, entry in calls:
                try:
                    refs, shapes = self._tensors(entry, produced, where)
                except _NotYet:
                    waiting.append((layer, name, where, call_index, entry))
                    continue
                if not refs:
                    raise self.fail(f"{where}: a call of the layer has no input")
                if layer.get("class_name") in MODELS:
                    self.repeat += call_index > 0
                    produced[(name, call_index)] = self.model(layer, refs, f"{where}/")
                    self.repeat -= call_index > 0
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
            if len(waiting) == len(calls):
                layer, name, where, call_index, entry = waiting[0]
                self._tensors(entry, produced, where, last=True)
                raise self.fail(f"{where}: its inputs are never made")
            calls = waiting
        outputs = []
        for entry in _history_list(config.get("output_layers")):
            outputs.append(self._resolve(entry, produced, f"{prefix}output_layers"))
        if not outputs:
            raise self.fail(f"{prefix or 'model'}: the model names no output layers")
        return outputs

    def _tensors(
        self, entry: Any, produced: dict[tuple[str, int], list[Ref] | int], where: str, last: bool = False
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
                refs.append(self._resolve(history, produced, where, last))
                shapes.append(_shape(tensor["config"].get("shape")))
            return refs, shapes
        for item in entry if isinstance(entry, list) else []:
            refs.append(self._resolve(item, produced, where, last))
            shapes.append(None)
        return refs, shapes

    def _resolve(
        self, history: Any, produced: dict[tuple[str, int], list[Ref] | int], where: str, last: bool = True
    ) -> Ref:
        if not isinstance(history, list) or len(history) < 3 or not isinstance(history[0], str):
            raise self.fail(f"{where}: an input names no layer")
        name, call_index, tensor = history[0], history[1], history[2]
        if not isinstance(tensor, int) or isinstance(tensor, bool) or not isinstance(call_index, int):
            raise self.fail(f"{where}: an input of layer '{name}' is not [name, call, tensor]")
        target = produced.get((name, call_index))
        if target is None:
            if not last:
                raise _NotYet
            raise self.fail(f"{where}: reads call {call_index} of layer '{name}', which the model does not make")
        if isinstance(target, list):
            if tensor >= len(target):
                raise self.fail(f"{where}: reads output {tensor} of '{name}', which has {len(target)}")
            return target[tensor]
        return (target, tensor)


class _NotYet(Exception):
    """A call reads a layer call not yet taken."""


def _operation(layer: dict[str, Any]) -> str | None:
    """What a weightless operation layer is (a Keras 3 op such as the NotEqual of Embedding(mask_zero=True)
    or ``keras.ops.add``, tf.keras' TFOpLambda, a Lambda); None for other layers."""
    module = layer.get("module")
    cls = layer.get("class_name")
    if not isinstance(cls, str):
        return None
    if isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops")):
        return f"keras.ops {cls}"
    return cls if cls in OP_LAYERS else None


def _keras_1(data: Any) -> str | None:
    """Why ``data`` is a Keras 1 model's JSON (Keras 1 names layers and options differently), or None."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            cls, config = item.get("class_name"), item.get("config")
            if isinstance(cls, str) and cls in KERAS_1_CLASSES:
                return f"layer class {cls}"
            if isinstance(config, dict):
                old = sorted(KERAS_1_KEYS & set(config))
                if old and cls not in MODELS:
                    return f"option {old[0]} of {cls}"
                if cls in ("Dense", "SimpleRNN", "LSTM", "GRU") and "output_dim" in config:
                    return f"option output_dim of {cls}"
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


def _unwrap(data: Any, source: str) -> Any:
    """The model's own JSON inside a TensorFlow.js model.json or an .h5 file's config."""
    if isinstance(data, dict) and isinstance(data.get("modelTopology"), dict):
        data = data["modelTopology"]  # a TensorFlow.js model.json
    if isinstance(data, dict) and isinstance(data.get("model_config"), dict):
        version = data.get("keras_version")
        data = data["model_config"]  # an .h5 file's config, or the topology of a converted model
        if isinstance(version, str) and version.startswith("1."):
            raise ModelFileError(
                f"{source}: Keras 1 JSON (keras_version {version}): save the model again with Keras 2 or later"
            )
    return data


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
    data = _unwrap(load_json(text, source), source)
    if not isinstance(data, dict) or data.get("class_name") not in MODELS:
        raise ModelFileError(f"{source}: not a Keras model's JSON (no class_name Sequential, Functional or Model)")
    why = _keras_1(data)
    if why is not None:
        raise ModelFileError(f"{source}: Keras 1 JSON ({why}): save the model again with Keras 2 or later")
    graph = _Graph(source)
    graph.model(data, None, "")
    config = data.get("config")
    name = (config.get("name") if isinstance(config, dict) else None) or data["class_name"]
    spec = f"{name} ({data['class_name']}, {sum(1 for n in graph.nodes if not n.again)} layers)"
    notes = tuple(
        f"{kind} ({', '.join(wheres[:3])}{', …' if len(wheres) > 3 else ''}): no weights, counted 0"
        for kind, wheres in graph.operations.items()
    )
    return count_graph(graph.nodes, "keras", source=source, spec=spec, notes=notes)
