"""Neutral modules that every layer may import (crawler, archive, parsers, publish, replica): the data directory's
layout, the template spec, recognising report titles and years, fetch outcome names, the CMS families' data and the
LibreOffice helper. They import no layer themselves."""
