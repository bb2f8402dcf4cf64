# Stands in for spaCy so Presidio's pattern recognizers import without an NLP model (none can be installed here).
import sys, types

class _Meta(type):
    def __getattr__(cls, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _Meta(name, (_Dummy,), {})
    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and (callable(args[0]) or isinstance(args[0], type)):
            return args[0]
        return _Meta(cls.__name__, (_Dummy,), {})

class _Dummy(metaclass=_Meta):
    pass

class _Module(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _Meta(name, (_Dummy,), {})

for m in ['spacy', 'spacy.language', 'spacy.tokens', 'spacy.util', 'spacy.cli', 'spacy.lang', 'spacy.matcher', 'stanza', 'spacy_stanza']:
    sys.modules[m] = _Module(m)
