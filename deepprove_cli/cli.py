"""The `dp` command group. Commands load lazily: `dp --help` imports neither numba nor numba-cuda."""

from __future__ import annotations

import importlib
import sys

import click

from deepprove_cli import __version__
from deepprove_cli.errors import EXIT_USAGE, DpError

# name -> (module, attribute, one-line help). Only commands that exist are listed here.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "bench": ("deepprove_cli.commands.bench", "bench", "Run benchmark suites (kernels, ...); --json for CI."),
    "import": ("deepprove_cli.commands.import_", "import_cmd", "Import a GGUF model (gpt2, llama, gemma3) to .dpm."),
    "quantize": ("deepprove_cli.commands.quantize", "quantize_cmd", "Quantize a .dpm into an exact integer program (.dpq)."),
    "infer": ("deepprove_cli.commands.infer", "infer_cmd", "Generate tokens with the integer program; -o run.dpt for dp prove."),
    "prove": ("deepprove_cli.commands.prove", "prove_cmd", "Prove a run (run.dpt) or N tokens from a prompt -> proof.bin."),
    "verify": ("deepprove_cli.commands.verify", "verify_cmd", "Verify proof.bin; print its statement (exit 0 valid, 1 invalid)."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dp")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.pass_context
def cli(ctx, debug):
    """deepprove-cli: prove that a quantized LLM produced a given output; verify such proofs."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the group and maps DpError to `error: ...` on stderr and its exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="dp", standalone_mode=False)
    except DpError as e:
        if debug:
            raise
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(0)
