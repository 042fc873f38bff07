"""The notice every human-readable output and the CLI's help carry."""

NOTICE = (
    "Decision support for health professionals: it does not replace clinical judgement, "
    "the product labels, or a pharmacist's review."
)
