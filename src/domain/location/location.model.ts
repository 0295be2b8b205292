import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';

@ObjectType()
export class Location {
  @Field(() => ID) id: string;
  @Field() code: string;
  @Field() name: string;
  @Field({ description: 'Orders that name no location reserve stock here.' }) isDefault: boolean;
}

const CODE = /^[\w.-]{1,40}$/;
const CODE_MESSAGE = 'must be 1 to 40 letters, digits, dots, dashes or underscores';

@InputType()
export class CreateLocationInput {
  @Field() @Matches(CODE, { message: CODE_MESSAGE }) code: string;
  @Field() @IsString() @Length(1, 200) name: string;
  @Field(() => Boolean, { nullable: true, description: 'The first location is the default whatever this says.' })
  @IsOptional() @IsBoolean() isDefault?: boolean | null;
}

@InputType()
export class UpdateLocationInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(CODE, { message: CODE_MESSAGE }) code?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) name?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true makes this the default location; the previous default stops being it.' })
  @IsOptional() @IsBoolean() isDefault?: boolean | null;
}
