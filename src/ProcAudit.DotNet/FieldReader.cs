using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Reads fields of either a heap object or a struct inside one, so that a state machine reads the same whether
/// a Release build boxed it as a struct or a Debug build as a class. Every failed read is a default, never an
/// exception: a live heap can change under the reader, and a field missing in another runtime is not an error.
/// </summary>
internal readonly struct FieldReader
{
    private readonly ClrObject _object;
    private readonly ClrValueType _struct;
    private readonly bool _isStruct;

    public FieldReader(ClrObject obj)
    {
        _object = obj;
        _struct = default;
        _isStruct = false;
    }

    public FieldReader(ClrValueType value)
    {
        _object = default;
        _struct = value;
        _isStruct = true;
    }

    public ClrType? Type => _isStruct ? _struct.Type : _object.Type;

    public bool IsNull => _isStruct ? _struct.Address == 0 : _object.IsNull || _object.Type is null;

    public T Read<T>(string name)
        where T : unmanaged
    {
        ClrInstanceField? field = Type?.GetFieldByName(name);
        if (field is null)
        {
            return default;
        }

        try
        {
            return _isStruct ? _struct.ReadField<T>(field) : _object.ReadField<T>(field);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return default;
        }
    }

    public ClrObject Object(string name)
    {
        ClrInstanceField? field = Type?.GetFieldByName(name);
        if (field is null || !field.IsObjectReference)
        {
            return default;
        }

        try
        {
            return _isStruct ? _struct.ReadObjectField(field) : _object.ReadObjectField(field);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return default;
        }
    }

    /// <summary>A struct field, or a class-typed field read as an object (Debug state machines are classes behind <c>__Canon</c>).</summary>
    public FieldReader Nested(string name)
    {
        ClrInstanceField? field = Type?.GetFieldByName(name);
        if (field is null)
        {
            return default;
        }

        try
        {
            if (field.IsObjectReference)
            {
                return new FieldReader(_isStruct ? _struct.ReadObjectField(field) : _object.ReadObjectField(field));
            }

            return new FieldReader(_isStruct ? _struct.ReadValueTypeField(field) : _object.ReadValueTypeField(field));
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return default;
        }
    }

    /// <summary>Every object-reference field with its name (nulls left out).</summary>
    public IEnumerable<(string Name, ClrObject Value)> ObjectFields()
    {
        ClrType? type = Type;
        if (type is null)
        {
            yield break;
        }

        foreach (ClrInstanceField field in type.Fields)
        {
            if (field.IsObjectReference && field.Name is string name)
            {
                ClrObject value = Object(name);
                if (!value.IsNull)
                {
                    yield return (name, value);
                }
            }
        }
    }

    public static bool IsReadFailure(Exception ex)
    {
        return ex is ArgumentException or InvalidOperationException or ClrDiagnosticsException or IOException or OverflowException or NullReferenceException;
    }
}
