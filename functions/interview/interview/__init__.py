"""The interview function: session lifecycle, question selection, evaluation, feedback and report."""
