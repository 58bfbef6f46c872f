"""The README's Python example runs as written (it is the PyPI page's)."""

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_the_readme_example_runs_as_written():
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks, "README.md has no ```python example"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks, 1):
        test = parser.get_doctest(
            block, {}, f"README.md block {number}", str(README), 0
        )
        assert test.examples, f"README.md block {number} has no >>> example"
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} README example(s) failed"
