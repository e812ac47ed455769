"""One error type for everything a user can cause, so the CLI maps it to a message and an exit code.

Exit codes (DESIGN.md section 1): 0 ok, 1 proof invalid, 2 usage or input error.
"""

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class DpError(Exception):
    """A user-facing error: printed as `error: message` (+ `hint: ...`), never as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class InputError(DpError):
    """Bad input: a malformed file, a wrong argument, an unsupported model (exit 2)."""


class ProofInvalid(DpError):
    """The proof does not verify, or cannot even be parsed (exit 1). `message` names the failing check."""

    exit_code = EXIT_INVALID
