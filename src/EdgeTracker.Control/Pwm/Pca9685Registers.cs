namespace EdgeTracker.Control.Pwm;

/// <summary>
/// The PCA9685 register map (NXP PCA9685 data sheet, table 4). Channel n's four registers start at
/// <see cref="Led0OnL"/> + 4·n; 0x46..0xF9 are reserved and the chip does not acknowledge them.
/// </summary>
public enum Pca9685Register : byte
{
    /// <summary>Mode register 1: see <see cref="Pca9685Mode1"/>.</summary>
    Mode1 = 0x00,
    /// <summary>Mode register 2: see <see cref="Pca9685Mode2"/>.</summary>
    Mode2 = 0x01,
    /// <summary>I2C sub-address 1.</summary>
    SubAddress1 = 0x02,
    /// <summary>I2C sub-address 2.</summary>
    SubAddress2 = 0x03,
    /// <summary>I2C sub-address 3.</summary>
    SubAddress3 = 0x04,
    /// <summary>The LED All Call address.</summary>
    AllCallAddress = 0x05,
    /// <summary>Channel 0 ON count, low byte.</summary>
    Led0OnL = 0x06,
    /// <summary>Channel 0 ON count, high nibble; bit 4 is "full on".</summary>
    Led0OnH = 0x07,
    /// <summary>Channel 0 OFF count, low byte.</summary>
    Led0OffL = 0x08,
    /// <summary>Channel 0 OFF count, high nibble; bit 4 is "full off" (and wins over full on).</summary>
    Led0OffH = 0x09,
    /// <summary>The last channel register (channel 15 OFF high); auto-increment wraps from here to MODE1.</summary>
    Led15OffH = 0x45,
    /// <summary>Loads every channel's ON count, low byte (write only, reads as zero).</summary>
    AllLedOnL = 0xFA,
    /// <summary>Loads every channel's ON count, high byte.</summary>
    AllLedOnH = 0xFB,
    /// <summary>Loads every channel's OFF count, low byte.</summary>
    AllLedOffL = 0xFC,
    /// <summary>Loads every channel's OFF count, high byte; writing bit 4 turns every output fully off.</summary>
    AllLedOffH = 0xFD,
    /// <summary>PWM frequency prescaler; writes are blocked unless MODE1.SLEEP is set; the hardware minimum is 3.</summary>
    PreScale = 0xFE,
    /// <summary>Test mode; reserved, writes cause unpredictable results.</summary>
    TestMode = 0xFF,
}

/// <summary>MODE1 bits.</summary>
[Flags]
public enum Pca9685Mode1 : byte
{
    /// <summary>No bit set.</summary>
    None = 0,
    /// <summary>Responds to the LED All Call address.</summary>
    AllCall = 0x01,
    /// <summary>Responds to sub-address 3.</summary>
    Sub3 = 0x02,
    /// <summary>Responds to sub-address 2.</summary>
    Sub2 = 0x04,
    /// <summary>Responds to sub-address 1.</summary>
    Sub1 = 0x08,
    /// <summary>Low-power mode, oscillator off. Set at power-up. The oscillator needs 500 µs after clearing it.</summary>
    Sleep = 0x10,
    /// <summary>Register auto-increment.</summary>
    AutoIncrement = 0x20,
    /// <summary>Use the EXTCLK pin (sticky until power cycle).</summary>
    ExternalClock = 0x40,
    /// <summary>Reads 1 when PWM was running at sleep; writing 1 (after the 500 µs settle) restarts the channels.</summary>
    Restart = 0x80,
}

/// <summary>MODE2 bits.</summary>
[Flags]
public enum Pca9685Mode2 : byte
{
    /// <summary>No bit set.</summary>
    None = 0,
    /// <summary>Output state when OE is high, bit 0.</summary>
    OutNe0 = 0x01,
    /// <summary>Output state when OE is high, bit 1.</summary>
    OutNe1 = 0x02,
    /// <summary>Totem-pole outputs (set at power-up); servo boards use this.</summary>
    OutDrv = 0x04,
    /// <summary>Outputs change on ACK instead of on STOP.</summary>
    Och = 0x08,
    /// <summary>Inverts the output logic.</summary>
    Invert = 0x10,
}
