--- JSON <-> Lua mapping of the C core, for use on its own.
-- encode(value) -> string; decode(string) -> value; null (== cjson.null);
-- array_mt (decoded arrays carry it, and tables with it encode as arrays);
-- empty_array (encodes as []).
return require("prismacloud.core").json
