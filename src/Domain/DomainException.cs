namespace FieldCamp.Domain;

/// <summary>A rule of the domain was broken; the message is safe to show to the caller.</summary>
public class DomainException(string message) : Exception(message);

/// <summary>Input failed validation; <see cref="Errors"/> maps each field (API spelling) to its messages.</summary>
public sealed class DomainValidationException(IReadOnlyDictionary<string, string[]> errors)
    : DomainException("One or more fields are invalid.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
