"""
Static files storage for production (DEBUG false): WhiteNoise's compressed, hashed-name storage,
without following source-map comments.

The vendored Bootstrap files end in `sourceMappingURL=bootstrap.min.css.map` comments, but the maps
are not vendored (nobody debugs Bootstrap on the intranet). Django's manifest storage rewrites those
comments to hashed names and stops `collectstatic` with MissingFileError when a map is absent, so
production could not start. A browser asks for a map only when its developer tools are open; then it
gets a 404, which is harmless.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern):
        regex = pattern if isinstance(pattern, str) else pattern[0]
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(p for p in rules if keep(p))) for glob, rules in patterns)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
