"""Derivations render the same arithmetic as text, LaTeX, HTML, MathML and words."""

from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import count
from quizgen.counting.expr import Derivation, add, explain, factors, mul, num


def lstm_derivation() -> Derivation:
    return count("Input(3) -> LSTM(5)").layers[1].derivation


def test_text_and_latex():
    d = lstm_derivation()
    assert d.text() == "4·5·(3+5+1) = 180"
    assert d.latex() == r"4 \cdot 5 \cdot (3+5+1) = 180"


def test_html_is_escaped_and_mathml_is_well_formed():
    assert lstm_derivation().html() == "4·5·(3+5+1) = 180"
    tree = ElementTree.fromstring(lstm_derivation().mathml())
    numbers = [e.text for e in tree.iter("{http://www.w3.org/1998/Math/MathML}mn")]
    assert numbers == ["4", "5", "3", "5", "1", "180"]


def test_explained_names_every_factor():
    assert lstm_derivation().explained() == (
        "4 weight sets (3 gates + candidate) × 5 units × (3 inputs + 5 recurrent + 1 bias) = 4·5·(3+5+1) = 180"
    )


def test_value_matches_the_rendered_arithmetic():
    expr = add(mul(2, 3, add(4, 5)), mul(num(7), num(8)))
    assert expr.evaluate() == 2 * 3 * (4 + 5) + 7 * 8
    assert Derivation(expr).text() == "2·3·(4+5) + 7·8 = 110"
    assert explain(mul(num(2, "directions"), 3)) == "2 directions × 3"
    assert factors(lstm_derivation().expr) == [4, 5, 9]


_leaf = st.builds(num, st.integers(0, 10**6), st.sampled_from([None, "units", "inputs"]))
_trees = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4).map(lambda xs: mul(*xs)),
        st.lists(children, min_size=1, max_size=4).map(lambda xs: add(*xs)),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_trees)
def test_text_is_the_latex_arithmetic_and_evaluates_to_the_value(expr):
    """Plain text has its own fast renderer: it must say what the LaTeX says, and mean the value."""
    text = Derivation(expr).formula
    assert text == Derivation(expr).latex().split(" = ")[0].replace(r" \cdot ", "·")
    assert eval(text.replace("·", "*")) == expr.evaluate()  # digits, + * and brackets only
